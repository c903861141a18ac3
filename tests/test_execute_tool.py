"""kit.py execute stores outputs that do not change from run to run."""

import nbformat

from authoring.execute import WIDGET_VIEW, stabilise


def test_stabilise_removes_what_varies_between_runs():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {"random-id": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    cell = nbformat.v4.new_code_cell("w")
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-26T08:00:00"}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="round 1\n"),
        nbformat.v4.new_output("stream", name="stdout", text="round 2\n"),
        nbformat.v4.new_output("stream", name="stderr", text="careful\n"),
        nbformat.v4.new_output(
            "display_data", data={WIDGET_VIEW: {"model_id": "3f2a9c"}, "text/plain": "VBox()"}
        ),
    ]
    nb.cells = [cell]
    stabilise(nb)
    assert "widgets" not in nb.metadata and nb.metadata["language_info"] == {"name": "python"}
    assert "execution" not in cell.metadata
    assert [o.get("text") for o in cell.outputs[:2]] == ["round 1\nround 2\n", "careful\n"]
    assert cell.outputs[2].data[WIDGET_VIEW]["model_id"] == "stored-widget-1"
