/** What `/editor/new` starts with. */
export const NEW_SCRIPT_TEMPLATE = `"""New script.

Describe what the script does; the first line of this docstring is its name.
"""

import sys


def main(input_path: str) -> None:
    with open(input_path, encoding="utf-8") as f:
        data = f.read()
    print(f"read {len(data)} characters")


if __name__ == "__main__":
    main(sys.argv[1])
`;
