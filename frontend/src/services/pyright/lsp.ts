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

export interface PublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: LspDiagnostic[];
}

export const Methods = {
  initialize: 'initialize',
  initialized: 'initialized',
  didChangeConfiguration: 'workspace/didChangeConfiguration',
  didOpen: 'textDocument/didOpen',
  didChange: 'textDocument/didChange',
  didClose: 'textDocument/didClose',
  publishDiagnostics: 'textDocument/publishDiagnostics',
  configuration: 'workspace/configuration',
  registerCapability: 'client/registerCapability',
  workDoneProgressCreate: 'window/workDoneProgress/create',
  logMessage: 'window/logMessage',
  shutdown: 'shutdown',
  exit: 'exit',
} as const;
