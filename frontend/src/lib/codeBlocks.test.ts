import { describe, expect, it } from 'vitest';
import { extractPythonCode, parseAnswer } from './codeBlocks';

describe('extractPythonCode', () => {
  it('takes the first python block of an answer', () => {
    const answer = [
      'Here is a version that reads the input file:',
      '',
      '```python',
      'import sys',
      '',
      'print(open(sys.argv[1]).read())',
      '```',
      '',
      'And a second one:',
      '```python',
      'print("second")',
      '```',
    ].join('\n');
    expect(extractPythonCode(answer)).toBe('import sys\n\nprint(open(sys.argv[1]).read())\n');
  });

  it('prefers a python block over an earlier block in another language', () => {
    const answer = 'Run it:\n```bash\npython x.py\n```\nCode:\n```py\nx = 1\n```\n';
    expect(extractPythonCode(answer)).toBe('x = 1\n');
  });

  it('falls back to the first unlabelled block', () => {
    expect(extractPythonCode('```\nprint(1)\n```')).toBe('print(1)\n');
  });

  it('answers null when there is no code to insert', () => {
    expect(extractPythonCode('Use a dict comprehension instead.')).toBeNull();
    expect(extractPythonCode('```json\n{"a": 1}\n```')).toBeNull();
  });

  it('keeps the code of a block that was cut off before its closing fence', () => {
    expect(extractPythonCode('```python\nfor i in range(3):\n    print(i)')).toBe(
      'for i in range(3):\n    print(i)\n',
    );
  });

  it('handles CRLF line ends, tildes and longer fences containing ```', () => {
    expect(extractPythonCode('~~~python\r\nx = 2\r\n~~~\r\n')).toBe('x = 2\n');
    expect(extractPythonCode('````python\ns = """\n```\n"""\n````')).toBe('s = """\n```\n"""\n');
  });

  it('keeps indentation and blank lines inside the block', () => {
    const code = 'def f():\n\n    return 1\n';
    expect(extractPythonCode('```Python\n' + code + '```')).toBe(code);
  });
});

describe('parseAnswer', () => {
  it('splits prose and code in order', () => {
    expect(parseAnswer('Intro\n\n```python\nx = 1\n```\nOutro')).toEqual([
      { kind: 'text', text: 'Intro' },
      { kind: 'code', language: 'python', code: 'x = 1', closed: true },
      { kind: 'text', text: 'Outro' },
    ]);
  });

  it('reads the language from an info string with attributes', () => {
    const [block] = parseAnswer('```python title="main.py"\npass\n```');
    expect(block).toEqual({ kind: 'code', language: 'python', code: 'pass', closed: true });
  });
});
