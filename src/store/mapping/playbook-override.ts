import type { PlaybookOverride } from '../../core/ports';
import type { Row } from '../row-values';
import { parseJsonOrNull, toDate } from '../row-values';

/** A workspace's override of one playbook field from its row, in either store (the value is JSON text). */
export function toPlaybookOverride(row: Row): PlaybookOverride {
  return {
    ruleId: String(row.rule_id),
    field: String(row.field),
    value: parseJsonOrNull(row.value),
    updatedBy: String(row.updated_by),
    updatedAt: toDate(row.updated_at),
  };
}
