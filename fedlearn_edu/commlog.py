"""A communication log: every transfer between the server and the workers, written down.

Federated learning's promise is about what *travels*: models go out, trained parameters come
back, the data stay where they are. A :class:`CommunicationLog` lets a lesson show that instead of
asserting it. Each :class:`Transfer` records the round, who sent it, who received it, what it was,
which tensors it held, how many numbers and how many bytes.

Workers (:class:`fedlearn_edu.workers.VirtualWorker`) write to the log themselves; a log can be
shared by any number of workers. Recording costs a few microseconds (it counts, it never copies).
This module needs no torch: a "tensor" is anything with ``numel()``/``element_size()`` (torch)
or ``size``/``itemsize`` (numpy).

>>> import numpy as np
>>> log = CommunicationLog()
>>> _ = log.record(1, "server", "bob", "global model", {"weight": np.zeros((1, 2), np.float32)})
>>> print(log)
round  from    to    what          tensors  values  bytes
    1  server  bob   global model  weight        2      8
1 transfer, 2 values, 8 bytes
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fedlearn_edu._validation import check_count
from fedlearn_edu.i18n import N_, display_width, pad, t

__all__ = ["CommunicationLog", "Transfer"]

# The table's headings, and what the workers record, are translated where the log is shown.
_COLUMNS = (N_("round"), N_("from"), N_("to"), N_("what"), N_("tensors"), N_("values"), N_("bytes"))
_SHOWN = (N_("server"), N_("global model"), N_("trained model"))  # words a transfer holds, shown translated


@dataclass(frozen=True)
class Transfer:
    """One message between two parties: what it held, counted, never its contents."""

    round: int
    sender: str
    receiver: str
    what: str
    names: tuple[str, ...]
    n_values: int
    n_bytes: int

    def row(self) -> tuple[str, ...]:
        """The transfer as the strings of one table row (columns as in the log's table)."""
        values = (
            self.round,
            _shown(self.sender),
            _shown(self.receiver),
            _shown(self.what),
            ", ".join(self.names),
        )
        return (*(str(v) for v in values), str(self.n_values), str(self.n_bytes))


def _shown(word: str) -> str:
    """A word the kit itself records ("server", "global model"), in the reader's language; names stay."""
    return t(word) if word in _SHOWN else word


def _count(value: Any) -> tuple[int, int]:
    """(number of values, number of bytes) of one tensor or array."""
    if hasattr(value, "numel") and hasattr(value, "element_size"):  # torch
        n = int(value.numel())
        return n, n * int(value.element_size())
    if hasattr(value, "size") and hasattr(value, "itemsize"):  # numpy
        return int(value.size), int(value.size) * int(value.itemsize)
    raise TypeError(f"cannot count the values of a {type(value).__name__}: log tensors or numpy arrays")


class CommunicationLog:
    """Every transfer between server and workers, in order. Iterate it, count it, print it.

    ``print(log)`` shows a table (long logs are shortened in the middle; ``log.table(None)`` shows
    every row); in Jupyter the log displays as an HTML table.
    """

    def __init__(self) -> None:
        self._transfers: list[Transfer] = []

    def record(
        self, round: int, sender: str, receiver: str, what: str, tensors: Mapping[str, Any]
    ) -> Transfer:
        """Write down one transfer of the named ``tensors`` (a ``state_dict`` for instance)."""
        if not isinstance(tensors, Mapping):
            raise TypeError(
                f"tensors must be a mapping of names to tensors (a state_dict); got {type(tensors).__name__}"
            )
        round = check_count(round, "round")
        for name, value in (("sender", sender), ("receiver", receiver), ("what", what)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string; got {value!r}")
        n_values = n_bytes = 0
        for value in tensors.values():
            n, b = _count(value)
            n_values, n_bytes = n_values + n, n_bytes + b
        transfer = Transfer(int(round), sender, receiver, what, tuple(tensors), n_values, n_bytes)
        self._transfers.append(transfer)
        return transfer

    def __len__(self) -> int:
        return len(self._transfers)

    def __iter__(self) -> Iterator[Transfer]:
        return iter(self._transfers)

    def __getitem__(self, index: int) -> Transfer:
        return self._transfers[index]

    def clear(self) -> None:
        """Forget every transfer (start a new experiment with the same workers)."""
        self._transfers.clear()

    def select(
        self,
        *,
        sender: str | None = None,
        receiver: str | None = None,
        what: str | None = None,
        round: int | None = None,
    ) -> list[Transfer]:
        """The transfers that match every criterion given.

        >>> import numpy as np
        >>> log = CommunicationLog()
        >>> _ = log.record(1, "bob", "server", "trained model", {"b": np.zeros(1)})
        >>> len(log.select(sender="bob")), len(log.select(receiver="bob"))
        (1, 0)
        """
        wanted = {"sender": sender, "receiver": receiver, "what": what, "round": round}
        return [
            transfer
            for transfer in self._transfers
            if all(value is None or getattr(transfer, key) == value for key, value in wanted.items())
        ]

    def total_values(self) -> int:
        """How many numbers travelled, all transfers together."""
        return sum(x.n_values for x in self._transfers)

    def total_bytes(self) -> int:
        """How many bytes travelled, all transfers together."""
        return sum(x.n_bytes for x in self._transfers)

    def summary(self) -> str:
        """One line: transfers, values and bytes in total."""
        n, values, size = len(self), self.total_values(), self.total_bytes()
        return t(
            "{transfers}, {values}, {bytes}",
            transfers=t("{n} transfer", n=n) if n == 1 else t("{n} transfers", n=n),
            values=t("{n} value", n=values) if values == 1 else t("{n} values", n=values),
            bytes=t("{n} byte", n=size) if size == 1 else t("{n} bytes", n=size),
        )

    def _rows(self, max_rows: int | None) -> list[tuple[str, ...] | None]:
        """The rows to show; ``None`` marks where rows were left out."""
        rows: list[tuple[str, ...] | None] = [x.row() for x in self._transfers]
        if max_rows is not None and len(rows) > max_rows:
            head = (max_rows + 1) // 2
            rows = [*rows[:head], None, *rows[len(rows) - (max_rows - head) :]]
        return rows

    def table(self, max_rows: int | None = 12) -> str:
        """The log as a plain-text table, at most ``max_rows`` rows (``None``: all)."""
        rows = self._rows(max_rows)
        shown = [r for r in rows if r is not None]
        head = tuple(t(c) for c in _COLUMNS)
        widths = [
            max(display_width(c), *(display_width(r[i]) for r in shown)) if shown else display_width(c)
            for i, c in enumerate(head)
        ]
        align = [">" if i in {0, 5, 6} else "<" for i in range(len(head))]  # numbers align right

        def line(cells: tuple[str, ...]) -> str:
            parts = [pad(c, w, a) for c, w, a in zip(cells, widths, align, strict=True)]
            return "  ".join(parts).rstrip()

        out = [line(head)]
        out += [line(r) if r is not None else f"  {self._skipped(rows)}" for r in rows]
        out.append(self.summary())
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<CommunicationLog: {self.summary()}>"

    def _skipped(self, rows: list[tuple[str, ...] | None]) -> str:
        """The line that stands for the rows a shortened table leaves out ("... 28 more transfers ...")."""
        skipped = len(self) - sum(r is not None for r in rows)
        return (
            t("... {n} more transfer ...", n=skipped)
            if skipped == 1
            else t("... {n} more transfers ...", n=skipped)
        )

    def _repr_html_(self) -> str:
        rows = self._rows(12)
        head = "".join(f"<th>{html.escape(t(c))}</th>" for c in _COLUMNS)
        body = []
        for r in rows:
            if r is None:
                body.append(f"<tr><td colspan='{len(_COLUMNS)}'>{html.escape(self._skipped(rows))}</td></tr>")
            else:
                body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{html.escape(self.summary())}</p>"
        )
