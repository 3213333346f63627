import type { CommandAck } from '../../shared/events';
import { isSiteCommand, type Command } from '../../shared/schemas/command.schema';
import type { Actor, CommittedChange, GroupService } from './group.service';
import type { CommittedSiteChange, SiteService } from './site.service';

/** A committed change of either entity, as the live feed publishes it. */
export type PublishedChange = CommittedChange | CommittedSiteChange;

/** Whether a published change is a site's (issue 20). */
export const isSiteChange = (change: PublishedChange): change is CommittedSiteChange => 'entity' in change && change.entity === 'site';

/** What any command produced: the ack to send, and the changes to publish. */
export interface WriteOutcome {
  ack: CommandAck;
  committed: PublishedChange[];
}

/** Applies any command (the write path's view of the services). */
export interface CommandExecutor {
  execute(actor: Actor, command: Command): Promise<WriteOutcome>;
}

/**
 * Sends each command to the service that owns its rules: site commands to SiteService, the rest
 * to GroupService. Both run in the caller's transaction (the group commit's batch), so their
 * changes share one sequence and one commit.
 */
export class CommandService implements CommandExecutor {
  readonly #groups: Pick<GroupService, 'execute'>;
  readonly #sites: Pick<SiteService, 'execute'>;

  constructor(groups: Pick<GroupService, 'execute'>, sites: Pick<SiteService, 'execute'>) {
    this.#groups = groups;
    this.#sites = sites;
  }

  execute(actor: Actor, command: Command): Promise<WriteOutcome> {
    return isSiteCommand(command) ? this.#sites.execute(actor, command) : this.#groups.execute(actor, command);
  }
}
