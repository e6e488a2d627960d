import { FileContentError } from '@chartwatch/errors';
import { z } from 'zod';
import { SCENARIOS } from './scenarios.ts';

/** Ground truth for one injected incident: which events a detector should have flagged. */
export const labelSchema = z.object({
  incidentId: z.string().min(1),
  scenario: z.enum(SCENARIOS),
  kind: z.enum(['rule', 'behavioural']),
  actorId: z.string().min(1),
  /** Distinct patients the incident touched, sorted. */
  patientIds: z.array(z.string()),
  /** Time of the first and last event of the incident (ISO-8601 UTC). */
  start: z.string(),
  end: z.string(),
  eventIds: z.array(z.string()).min(1),
});
export type Label = z.infer<typeof labelSchema>;

/** Parses labels.jsonl text; errors name the file and line. */
export function parseLabels(text: string, file = 'labels.jsonl'): Label[] {
  const labels: Label[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}`, 'not valid JSON');
    }
    const parsed = labelSchema.safeParse(value);
    if (!parsed.success) {
      if (typeof value === 'object' && value !== null && 'alertId' in value && 'ruleId' in value) {
        throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}`, 'is an alert (alertId, ruleId), not a label: are --alerts and --labels swapped?');
      }
      const issue = parsed.error.issues[0];
      throw new FileContentError('CW_ERR_INPUT', file, `line ${i + 1}: ${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid label');
    }
    labels.push(parsed.data);
  });
  return labels;
}
