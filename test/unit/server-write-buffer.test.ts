import { describe, expect, it } from 'vitest';
import { DOCUMENT_SEPARATOR, WriteBuffer } from '../../server/repositories/pg/write-buffer';
import { makeGroup } from '../support/factories';
import type { Group } from '../../shared/schemas/group.schema';

/** How many times `text` occurs in the statement's parameters, each as sent (an array's items one by one). */
function occurrences(values: readonly unknown[], text: string): number {
  let n = 0;
  for (const value of values) for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') n += item.split(text).length - 1;
  return n;
}

/** A buffer whose head was read, as a batch's is before its first change. */
function freshBuffer(): WriteBuffer {
  const buffer = new WriteBuffer();
  buffer.learnHead(0);
  return buffer;
}

/** Writes `group` as a report (a new row) or an edit (a stored row), and logs the same document; returns it. */
function write(buffer: WriteBuffer, group: Group, how: 'report' | 'edit', json = JSON.stringify(group)): string {
  if (how === 'report') buffer.insertGroup(group, json);
  else buffer.updateGroup(group, json);
  buffer.appendChange(how === 'report' ? 'group.report' : 'group.update', group, 'user-1', group.updatedAt, json);
  return json;
}

describe('WriteBuffer.takeFlush', () => {
  it("sends a group's document once when its change logs that same document", () => {
    const buffer = freshBuffer();
    const reportedJson = write(buffer, makeGroup({ notes: 'reported' }), 'report');
    const editedJson = write(buffer, { ...makeGroup({ notes: 'stored before' }), version: 2 }, 'edit');

    const flush = buffer.takeFlush()!;
    // Each document is 1-2 KB: sent twice, a report's row and its change were a third of a batch's bytes more.
    expect(occurrences(flush.values, reportedJson)).toBe(1);
    expect(occurrences(flush.values, editedJson)).toBe(1);
    expect(flush.text).toContain('change_log');
  });

  it('still sends a change in full when its group was written again later in the batch', () => {
    const buffer = freshBuffer();
    const first = makeGroup({ notes: 'first' });
    const firstJson = write(buffer, first, 'report');
    const secondJson = write(buffer, { ...first, version: 2, notes: 'second' }, 'edit');

    const flush = buffer.takeFlush()!;
    // The row holds the second state, the log both: the first is not the row's, so it goes itself.
    expect(occurrences(flush.values, firstJson)).toBe(1);
    expect(occurrences(flush.values, secondJson)).toBe(1);
  });

  it('keeps the documents apart when one holds the record separator', () => {
    const odd = makeGroup({ notes: `a note with a ${DOCUMENT_SEPARATOR} in it` });
    // JSON.stringify escapes control characters; a document holding one raw is sent as an array.
    const buffer = freshBuffer();
    const raw = write(buffer, odd, 'report', JSON.stringify(odd).replace('\\u001e', DOCUMENT_SEPARATOR));
    const flush = buffer.takeFlush()!;
    expect(occurrences(flush.values, raw)).toBe(1);
  });
});
