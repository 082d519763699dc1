// A run that cannot proceed for a reason the caller can act on (never an internal detail).
export class SegmentationInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SegmentationInputError';
  }
}

/** One refusal for every population under the minimum, whatever its size: it names no number. */
export const POPULATION_TOO_SMALL = 'population_too_small';
export const populationTooSmall = () =>
  new SegmentationInputError(POPULATION_TOO_SMALL, 'The population this request selects is under the minimum group size of the role; nothing was computed.');
