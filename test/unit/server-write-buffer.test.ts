import { describe, expect, it } from 'vitest';
import { DOCUMENT_SEPARATOR, WriteBuffer } from '../../server/repositories/pg/write-buffer';
import { makeGroup } from '../support/factories';

/** How many times `text` occurs in the statement's parameters, each as sent (an array's items one by one). */
function occurrences(values: readonly unknown[], text: string): number {
  let n = 0;
  for (const value of values) for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') n += item.split(text).length - 1;
  return n;
}

describe('WriteBuffer.takeFlush', () => {
  it("sends a group's document once when its change logs that same document", () => {
    const buffer = new WriteBuffer();
    buffer.learnHead(0);
    const reported = makeGroup({ notes: 'reported' });
    const reportedJson = JSON.stringify(reported);
    buffer.insertGroup(reported, reportedJson);
    buffer.appendChange('group.report', reported, 'user-1', reported.updatedAt, reportedJson);
    const edited = { ...makeGroup({ notes: 'stored before' }), version: 2 };
    const editedJson = JSON.stringify(edited);
    buffer.updateGroup(edited, editedJson);
    buffer.appendChange('group.update', edited, 'user-1', edited.updatedAt, editedJson);

    const flush = buffer.takeFlush()!;
    // Each document is 1-2 KB: sent twice, a report's row and its change were a third of a batch's bytes more.
    expect(occurrences(flush.values, reportedJson)).toBe(1);
    expect(occurrences(flush.values, editedJson)).toBe(1);
    expect(flush.text).toContain('change_log');
  });

  it('still sends a change in full when its group was written again later in the batch', () => {
    const buffer = new WriteBuffer();
    buffer.learnHead(0);
    const first = makeGroup({ notes: 'first' });
    const firstJson = JSON.stringify(first);
    buffer.insertGroup(first, firstJson);
    buffer.appendChange('group.report', first, 'user-1', first.updatedAt, firstJson);
    const second = { ...first, version: 2, notes: 'second' };
    const secondJson = JSON.stringify(second);
    buffer.updateGroup(second, secondJson);
    buffer.appendChange('group.update', second, 'user-1', second.updatedAt, secondJson);

    const flush = buffer.takeFlush()!;
    // The row holds the second state, the log both: the first is not the row's, so it goes itself.
    expect(occurrences(flush.values, firstJson)).toBe(1);
    expect(occurrences(flush.values, secondJson)).toBe(1);
  });

  it('keeps the documents apart when one holds the record separator', () => {
    const buffer = new WriteBuffer();
    buffer.learnHead(0);
    const odd = makeGroup({ notes: `a note with a ${DOCUMENT_SEPARATOR} in it` });
    const json = JSON.stringify(odd);
    // JSON.stringify escapes control characters; a document holding one raw is sent as an array.
    const raw = json.replace('\\u001e', DOCUMENT_SEPARATOR);
    buffer.insertGroup(odd, raw);
    buffer.appendChange('group.report', odd, 'user-1', odd.updatedAt, raw);
    const flush = buffer.takeFlush()!;
    expect(occurrences(flush.values, raw)).toBe(1);
  });
});
