import type { Alert } from '@chartwatch/detect';
import { alertSchema } from '@chartwatch/detect';
import { FileContentError } from '@chartwatch/errors';

/** Alerts as JSON lines or one JSON array; every alert checked against the schema. */
export function parseAlerts(text: string, file: string): Alert[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let items: { value: unknown; where: string }[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new FileContentError('CW_ERR_INPUT', file, 'document', 'not valid JSON');
    }
    items = (parsed as unknown[]).map((value, i) => ({ value, where: `[${i}]` }));
  } else {
    items = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        items.push({ value: JSON.parse(line), where: `line ${i + 1}` });
      } catch {
        throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}`, 'not valid JSON');
      }
    });
  }
  return items.map(({ value, where }) => {
    const parsed = alertSchema.safeParse(value);
    if (!parsed.success) {
      // simulate's labels.jsonl given as --alerts read "alertId: Invalid input: expected string".
      if (typeof value === 'object' && value !== null && 'incidentId' in value && 'scenario' in value) {
        throw new FileContentError('CW_ERR_INPUT', file, where, 'is a label (incidentId, scenario), not an alert: are --alerts and --labels swapped?');
      }
      const issue = parsed.error.issues[0];
      throw new FileContentError('CW_ERR_INPUT', file, `${where}: ${issue?.path.join('.') ?? ''}`, issue?.message ?? 'not an alert');
    }
    return parsed.data;
  });
}
