import type { CommandAck } from '../../shared/events';
import { isMovementCommand, isSiteCommand, type Command } from '../../shared/schemas/command.schema';
import type { Actor, CommittedChange, GroupService } from './group.service';
import type { CommittedMovementChange, MovementService } from './movement.service';
import type { CommittedSiteChange, SiteService } from './site.service';

/** A committed change of any entity, as the live feed publishes it: a group's, a site's or a movement's (issue 20). */
export type PublishedChange = CommittedChange | CommittedSiteChange | CommittedMovementChange;

/** Whether a published change is a site's (issue 20). */
export const isSiteChange = (change: PublishedChange): change is CommittedSiteChange => 'entity' in change && change.entity === 'site';

/** Whether a published change is a movement's (issue 20). */
export const isMovementChange = (change: PublishedChange): change is CommittedMovementChange => 'entity' in change && change.entity === 'movement';

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
 * Sends each command to the service that owns its rules: site commands to SiteService, movement
 * commands to MovementService, the rest to GroupService. All run in the caller's transaction (the
 * group commit's batch), so their changes share one sequence and one commit.
 */
export class CommandService implements CommandExecutor {
  readonly #groups: Pick<GroupService, 'execute'>;
  readonly #sites: Pick<SiteService, 'execute'>;
  readonly #movements: Pick<MovementService, 'execute'>;

  constructor(groups: Pick<GroupService, 'execute'>, sites: Pick<SiteService, 'execute'>, movements: Pick<MovementService, 'execute'>) {
    this.#groups = groups;
    this.#sites = sites;
    this.#movements = movements;
  }

  execute(actor: Actor, command: Command): Promise<WriteOutcome> {
    if (isSiteCommand(command)) return this.#sites.execute(actor, command);
    if (isMovementCommand(command)) return this.#movements.execute(actor, command);
    return this.#groups.execute(actor, command);
  }
}
