"""A notebook with a plot cell executed through golign's kernel by
`jupyter nbconvert --to notebook --execute`: the output must hold a PNG."""

import base64
import json
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class NotebookTest(unittest.TestCase):
    def test_plot_notebook(self):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                ["/usr/bin/python3", "-m", "nbconvert", "--to", "notebook", "--execute",
                 "--ExecutePreprocessor.kernel_name=golign", "--ExecutePreprocessor.timeout=120",
                 "--output-dir", out, "--output", "plot-executed.ipynb", os.path.join(HERE, "plot.ipynb")],
                check=True, capture_output=True)
            with open(os.path.join(out, "plot-executed.ipynb")) as f:
                nb = json.load(f)
        code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        pngs = [o["data"]["image/png"] for c in code_cells for o in c["outputs"]
                if o["output_type"] in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
        errors = [o for c in code_cells for o in c["outputs"] if o["output_type"] == "error"]
        self.assertEqual(errors, [])
        self.assertEqual(len(pngs), 1)
        png = base64.b64decode("".join(pngs[0]) if isinstance(pngs[0], list) else pngs[0])
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 1000)


if __name__ == "__main__":
    unittest.main()
