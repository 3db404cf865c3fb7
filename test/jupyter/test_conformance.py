"""The official Jupyter kernel conformance suite (jupyter_kernel_test) run
against golign, with every sample filled in."""

import unittest

import jupyter_kernel_test


class GolignKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "golign"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import (\n\t"fmt"\n\t"os"\n)\nfmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": 'import "strings"\nstrings.ToUpp', "matches": {"ToUpper", "ToUpperSpecial"}},
        {"text": "var zebraCount int\nzebraC", "matches": {"zebraCount"}},
    ]

    complete_code_samples = ["x := 1", "func add(a, b int) int { return a + b }", "for i := 0; i < 3; i++ {\n}"]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "s := []int{1,\n2,"]
    invalid_code_samples = ["x := )", "func f() }"]

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "1+2", "result": "3"},
        {"code": "6 * 7", "result": "42"},
        {"code": '"go" + "lang"', "mime": "text/plain"},
    ]
    code_history_pattern = "1?2*"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'import "github.com/golign/golign/kernel/display"\ndisplay.Show(display.HTML("<b>bold</b>"))', "mime": "text/html"},
        {"code": 'import "github.com/golign/golign/kernel/display"\ndisplay.Show(display.Markdown("*em*"))', "mime": "text/markdown"},
    ]

    code_inspect_sample = 'import "fmt"\nfmt.Println'

    code_clear_output = 'import "github.com/golign/golign/kernel/display"\ndisplay.ClearOutput(false)'

    code_page_something = "fmt.Println?"


if __name__ == "__main__":
    unittest.main()
