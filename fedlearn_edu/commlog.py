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

__all__ = ["CommunicationLog", "Transfer"]

_COLUMNS = ("round", "from", "to", "what", "tensors", "values", "bytes")


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
        values = (self.round, self.sender, self.receiver, self.what, ", ".join(self.names))
        return (*(str(v) for v in values), str(self.n_values), str(self.n_bytes))


def _count(value: Any) -> tuple[int, int]:
    """(number of values, number of bytes) of one tensor or array."""
    if hasattr(value, "numel") and hasattr(value, "element_size"):  # torch
        n = int(value.numel())
        return n, n * int(value.element_size())
    if hasattr(value, "size") and hasattr(value, "itemsize"):  # numpy
        return int(value.size), int(value.size) * int(value.itemsize)
    raise TypeError(f"cannot count the values of a {type(value).__name__}: log tensors or numpy arrays")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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
            t
            for t in self._transfers
            if all(value is None or getattr(t, key) == value for key, value in wanted.items())
        ]

    def total_values(self) -> int:
        """How many numbers travelled, all transfers together."""
        return sum(t.n_values for t in self._transfers)

    def total_bytes(self) -> int:
        """How many bytes travelled, all transfers together."""
        return sum(t.n_bytes for t in self._transfers)

    def summary(self) -> str:
        """One line: transfers, values and bytes in total."""
        return (
            f"{_plural(len(self), 'transfer')}, {_plural(self.total_values(), 'value')}, "
            f"{_plural(self.total_bytes(), 'byte')}"
        )

    def _rows(self, max_rows: int | None) -> list[tuple[str, ...] | None]:
        """The rows to show; ``None`` marks where rows were left out."""
        rows: list[tuple[str, ...] | None] = [t.row() for t in self._transfers]
        if max_rows is not None and len(rows) > max_rows:
            head = (max_rows + 1) // 2
            rows = [*rows[:head], None, *rows[len(rows) - (max_rows - head) :]]
        return rows

    def table(self, max_rows: int | None = 12) -> str:
        """The log as a plain-text table, at most ``max_rows`` rows (``None``: all)."""
        rows = self._rows(max_rows)
        shown = [r for r in rows if r is not None]
        widths = [
            max(len(c), *(len(r[i]) for r in shown)) if shown else len(c) for i, c in enumerate(_COLUMNS)
        ]
        right = {0, 5, 6}  # numbers align right

        def line(cells: tuple[str, ...]) -> str:
            parts = [
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(parts).rstrip()

        skipped = len(self) - len(shown)
        out = [line(_COLUMNS)]
        out += [line(r) if r is not None else f"  ... {_plural(skipped, 'more transfer')} ..." for r in rows]
        out.append(self.summary())
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<CommunicationLog: {self.summary()}>"

    def _repr_html_(self) -> str:
        rows = self._rows(12)
        skipped = len(self) - sum(r is not None for r in rows)
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        body = []
        for r in rows:
            if r is None:
                body.append(
                    f"<tr><td colspan='{len(_COLUMNS)}'>... {_plural(skipped, 'more transfer')} ...</td></tr>"
                )
            else:
                body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>")
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{html.escape(self.summary())}</p>"
        )
