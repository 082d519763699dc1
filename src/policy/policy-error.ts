// Policy validation failures, each naming the file, the path inside it and the line.
export interface PolicyIssue {
  file: string;
  path: string;
  line: number | undefined;
  message: string;
}

export class PolicyError extends Error {
  readonly code = 'policy.invalid';
  constructor(readonly issues: PolicyIssue[]) {
    super(`Invalid policy (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` + issues.map(formatIssue).join('\n'));
    this.name = 'PolicyError';
  }
}

export const formatIssue = (i: PolicyIssue): string => `  ${i.file}${i.line !== undefined ? `:${i.line}` : ''} ${i.path || '(root)'}: ${i.message}`;
