/** The few Language Server Protocol shapes this client uses (LSP 3.17). */

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export const DiagnosticSeverity = { Error: 1, Warning: 2, Information: 3, Hint: 4 } as const;
export const DiagnosticTag = { Unnecessary: 1, Deprecated: 2 } as const;

export interface LspDiagnostic {
  range: LspRange;
  severity?: number;
  code?: number | string;
  codeDescription?: { href: string };
  source?: string;
  message: string;
  tags?: number[];
}

/** The answer to `textDocument/diagnostic` (pull diagnostics, LSP 3.17). */
export type DocumentDiagnosticReport =
  | { kind: 'full'; resultId?: string; items: LspDiagnostic[] }
  | { kind: 'unchanged'; resultId: string };

export const Methods = {
  initialize: 'initialize',
  initialized: 'initialized',
  didChangeConfiguration: 'workspace/didChangeConfiguration',
  didOpen: 'textDocument/didOpen',
  didChange: 'textDocument/didChange',
  didClose: 'textDocument/didClose',
  diagnostic: 'textDocument/diagnostic',
  diagnosticRefresh: 'workspace/diagnostic/refresh',
  configuration: 'workspace/configuration',
  registerCapability: 'client/registerCapability',
  unregisterCapability: 'client/unregisterCapability',
  workDoneProgressCreate: 'window/workDoneProgress/create',
  logMessage: 'window/logMessage',
  shutdown: 'shutdown',
  exit: 'exit',
} as const;
