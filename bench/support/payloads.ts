import { v7 as uuidv7 } from 'uuid';
import type { Command } from '../../shared/schemas/command.schema';
import type { GroupInput } from '../../shared/schemas/group.schema';
import { makeGroupInput } from '../../test/support/clients';

/**
 * Report commands as a field device sends them: a fresh command id, group id and need id each
 * time on one validated template (validating every bench payload in the bench process would only
 * slow the senders, not the server).
 */
export function reportFactory(overrides: Parameters<typeof makeGroupInput>[0] = {}): () => Command {
  const template: GroupInput = makeGroupInput(overrides);
  return () => ({
    type: 'group.report',
    commandId: uuidv7(),
    group: {
      ...template,
      id: uuidv7(),
      seenAt: new Date().toISOString(),
      needs: template.needs.map((n) => ({ ...n, id: uuidv7() })),
    },
  });
}
