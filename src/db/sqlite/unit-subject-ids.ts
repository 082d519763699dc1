// Subject ids a unit of work has already looked up or created, for the rest of that unit only
// (a customer batch writes subjects, then their consent records: one lookup per subject, not two).
// Nothing outlives the unit: a rolled-back unit's ids may be handed out again.
import type { UnitOfWork } from './unit-of-work.ts';

export class UnitSubjectIds {
  private unit = -1;
  private ids = new Map<string, number>();

  constructor(private readonly uow: UnitOfWork) {}

  get(pseudonym: string): number | undefined {
    return this.uow.inside && this.unit === this.uow.unitNumber ? this.ids.get(pseudonym) : undefined;
  }

  set(pseudonym: string, id: number): void {
    if (!this.uow.inside) return;
    if (this.unit !== this.uow.unitNumber) {
      this.ids = new Map();
      this.unit = this.uow.unitNumber;
    }
    this.ids.set(pseudonym, id);
  }
}
