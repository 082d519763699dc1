// A run that cannot proceed for a reason the caller can act on (never an internal detail).
export class SegmentationInputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SegmentationInputError';
  }
}
