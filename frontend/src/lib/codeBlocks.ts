/**
 * Pure helpers for LLM answers: split Markdown into prose and fenced code blocks, and pick
 * the code to insert into the editor.
 */

export type AnswerSegment =
  | { kind: 'text'; text: string }
  | { kind: 'code'; language: string; code: string; closed: boolean };

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n`]*$/;
const PYTHON_LANGUAGES = new Set(['python', 'py', 'python3', 'py3']);

/** Splits an answer into text and fenced code segments, in order. */
export function parseAnswer(markdown: string): AnswerSegment[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const segments: AnswerSegment[] = [];
  let text: string[] = [];
  let code: string[] | null = null;
  let fence = '';
  let language = '';

  const flushText = () => {
    const joined = text.join('\n');
    if (joined.trim()) segments.push({ kind: 'text', text: joined.trim() });
    text = [];
  };

  for (const line of lines) {
    if (code === null) {
      const open = FENCE.exec(line);
      if (open) {
        flushText();
        fence = open[1] ?? '```';
        language = (open[2] ?? '').toLowerCase();
        code = [];
      } else {
        text.push(line);
      }
      continue;
    }
    const trimmed = line.trim();
    const closes =
      trimmed.length >= fence.length &&
      trimmed[0] === fence[0] &&
      /^(`+|~+)$/.test(trimmed) &&
      line.search(/\S/) <= 3;
    if (closes) {
      segments.push({ kind: 'code', language, code: code.join('\n'), closed: true });
      code = null;
    } else {
      code.push(line);
    }
  }
  if (code !== null) {
    // An answer cut off inside a block still yields its code.
    segments.push({ kind: 'code', language, code: code.join('\n'), closed: false });
  } else {
    flushText();
  }
  return segments;
}

export function isPythonLanguage(language: string): boolean {
  return PYTHON_LANGUAGES.has(language.toLowerCase());
}

/**
 * The code to insert from an answer: the first Python block; failing that, the first block
 * with no language; failing that, null (the answer holds no code).
 */
export function extractPythonCode(markdown: string): string | null {
  const blocks = parseAnswer(markdown).filter(
    (s): s is Extract<AnswerSegment, { kind: 'code' }> => s.kind === 'code',
  );
  const chosen =
    blocks.find((b) => isPythonLanguage(b.language)) ?? blocks.find((b) => b.language === '');
  if (!chosen) return null;
  return chosen.code.endsWith('\n') ? chosen.code : `${chosen.code}\n`;
}
