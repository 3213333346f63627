import { describe, expect, it } from 'vitest';
import { v7 } from 'uuid';
import { buildDraft, emptyForm, fieldKeyForIssue, issueMessage, seenAtOnSubmit, toLocalInput, type GroupFormState } from '../../client/lib/state/group-form';
import { GroupInput } from '../../shared/schemas/group.schema';

const ids = () => {
  const groupId = v7();
  return { groupId, needId: () => v7() };
};

function filled(): GroupFormState {
  const form = emptyForm(new Date('2025-03-01T10:00:00Z'));
  form.lat = 12.5;
  form.lon = 44.1;
  form.total = 10;
  return form;
}

function problems(form: GroupFormState) {
  const { draft, index } = buildDraft(form, ids());
  const parsed = GroupInput.safeParse(draft);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({ field: fieldKeyForIssue(issue.path, index), message: issueMessage(issue).key }));
}

describe('group report form', () => {
  it('builds a draft the shared schema accepts with only a location and a total', () => {
    const { draft } = buildDraft(filled(), ids());
    const parsed = GroupInput.parse(draft);
    expect(parsed.headcount.total).toBe(10);
    expect(parsed.location.accuracyM).toBeNull();
    expect(parsed.nationalities).toEqual([]);
    expect(parsed.consentConsulate).toBe('not_asked');
  });

  it('asks for a location and a total on an empty form', () => {
    const found = problems(emptyForm());
    expect(found).toContainEqual({ field: 'location', message: 'form.error.location' });
    expect(found).toContainEqual({ field: 'headcount.total', message: 'form.error.required' });
  });

  it('puts a breakdown larger than the total beside the total', () => {
    const form = filled();
    form.breakdown.female.age18to59 = 8;
    form.breakdown.male.age18to59 = 5;
    expect(problems(form)).toEqual([{ field: 'headcount.total', message: 'form.error.breakdownExceedsTotal' }]);
  });

  it('maps a nationality row by its key, not its position in the draft', () => {
    const form = filled();
    form.nationalities = [
      { key: 'empty', code: '', count: null },
      { key: 'a', code: 'SDN', count: 3 },
      { key: 'b', code: 'SDN', count: 2 },
      { key: 'c', code: 'ERI', count: null },
    ];
    expect(problems(form)).toEqual([{ field: 'nationalities.c.count', message: 'form.error.required' }]);
    // Cross-field rules run once every field parses, as on the server.
    form.nationalities[3]!.count = 1;
    expect(problems(form)).toEqual([{ field: 'nationalities.b.code', message: 'form.error.duplicateNationality' }]);
  });

  it('maps a need by its type and leaves unticked needs out', () => {
    const form = filled();
    const water = form.needs.find((n) => n.type === 'water');
    const food = form.needs.find((n) => n.type === 'food');
    if (!water || !food) throw new Error('need rows missing');
    water.checked = true;
    water.people = 50;
    food.people = 500;
    expect(problems(form)).toEqual([{ field: 'needs.water.people', message: 'form.error.moreThanTotal' }]);
  });

  it('refuses a fractional count with a number message', () => {
    const form = filled();
    form.total = 2.5;
    expect(problems(form)).toEqual([{ field: 'headcount.total', message: 'form.error.number' }]);
  });

  it('maps server issues that carry only a path and a code', () => {
    expect(fieldKeyForIssue(['documents'], { nationalityKeys: [], needTypes: [] })).toBe('documents');
    expect(issueMessage({ path: ['documents'], code: 'custom' }).key).toBe('form.error.documentsExceedTotal');
    expect(fieldKeyForIssue(['id'], { nationalityKeys: [], needTypes: [] })).toBe('form');
  });

  it('refuses a need with no count of its people beside its field, instead of saving 0', () => {
    const form = filled();
    const water = form.needs.find((n) => n.type === 'water')!;
    water.checked = true;
    expect(problems(form)).toEqual([{ field: 'needs.water.people', message: 'form.error.needPeople' }]);
    water.people = 0;
    expect(problems(form)).toEqual([]);
  });

  it('stamps a report with the time it is sent unless the person set "seen at"', () => {
    const opened = emptyForm(new Date('2025-03-01T10:00:00'));
    const sent = new Date('2025-03-01T13:30:00');
    expect(seenAtOnSubmit(opened, false, sent)).toBe(toLocalInput(sent));
    expect(seenAtOnSubmit({ seenAt: '2025-03-01T09:15' }, true, sent)).toBe('2025-03-01T09:15');
  });
});
