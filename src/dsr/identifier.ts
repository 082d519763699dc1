// The identifier a data subject gives (email, phone, or a source's customer id) as the keyed
// hash ingest stored for it: the same normalization, so a request finds what ingest linked.
import { AppError } from '../errors/app-error.ts';
import { normalizers } from '../ingest/normalize.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';

export interface Identifier {
  type: 'email' | 'phone' | 'customer_id';
  value: string;
  source?: string | undefined;
}

const invalid = (path: string, code: string, message: string, detail: string) =>
  new AppError('request.validation_failed', detail, { errors: [{ path, code, message }] });

export function identifierKeyHash(id: Identifier, pseudonymizer: Pseudonymizer, region: string): string {
  switch (id.type) {
    case 'email': {
      const email = normalizers['email']!(id.value, { region });
      if (!email) throw invalid('identifier.value', 'format', 'must be an email address', 'The email address is not valid.');
      return pseudonymizer.keyHash('email', email);
    }
    case 'phone': {
      const e164 = normalizers['phone_e164']!(id.value, { region });
      if (!e164) throw invalid('identifier.value', 'format', 'must be a valid phone number', 'The phone number is not valid.');
      return pseudonymizer.keyHash('phone', e164);
    }
    case 'customer_id':
      // A customer id is only unique within its source: without it, a guessable id could reach
      // whichever source's customer happens to carry it.
      if (!id.source) throw invalid('identifier.source', 'required', 'is required for customer_id', 'A customer_id is only unique within its source.');
      return pseudonymizer.keyHash('customer_id', id.source, id.value.trim());
  }
}
