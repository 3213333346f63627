import type { Audience } from '../../shared/projection';

/** A room: the name sockets join, and the audience every socket in it is projected as. */
export interface AudienceRoom {
  name: string;
  /** Holds only what the projection reads for this kind of room (no user id), so one projection serves the room. */
  audience: Audience;
  /**
   * Field rooms: each member also joins its own room inside this one (`personalRoomOf`), and a
   * change to a group a member reported or follows up (`fieldUsersOf`) is projected for that member
   * alone (the room's audience with its user id) and sent there instead (protection rule 11).
   */
  personal?: true;
}

/**
 * The room a connection joins, computed on the server from who the user is: one room per distinct
 * projection, so each committed change is projected once per room and never filtered by a client.
 * Admins join none. A unit test checks that the room's audience projects every group exactly as
 * each member's own audience would.
 */
export function audienceRoom(a: Audience): AudienceRoom | null {
  if (a.crisisId === null) return null;
  const base = `crisis:${a.crisisId}`;
  const room = (suffix: string, fields: Pick<Audience, 'role' | 'agencyId' | 'servesState'>): AudienceRoom => ({
    name: `${base}:${suffix}`,
    audience: { userId: '', crisisId: a.crisisId, ...fields },
  });
  switch (a.role) {
    case 'coordinator':
      return room('full', { role: 'coordinator', agencyId: null, servesState: null });
    case 'field':
      // Every field phone gets other teams' groups the same way (a point, or nothing when flagged);
      // its own groups differ per user, so they go to the member's personal room.
      return { ...room('field', { role: 'field', agencyId: null, servesState: null }), personal: true };
    case 'responder':
      // Per agency, because what a responder sees will depend on what is assigned to its agency.
      return room(`agency:${a.agencyId ?? 'none'}`, { role: 'responder', agencyId: a.agencyId, servesState: null });
    case 'embassy':
      // Per state and consulate: an embassy sees its own consulate's assignments (rule 9).
      return room(`embassy:${a.servesState ?? 'none'}:${a.agencyId ?? 'none'}`, { role: 'embassy', agencyId: a.agencyId, servesState: a.servesState });
    case 'admin':
      return null;
  }
}

/**
 * The room, inside an audience room, of the sockets that asked for live batches packed
 * (`HandshakeAuth.packedLive`): the same audience, so the same projection serves both.
 */
export function packedRoomOf(room: string): string {
  return `${room}:packed`;
}

/** A member's own room inside a `personal` audience room: the changes projected for that user alone. */
export function personalRoomOf(room: string, userId: string): string {
  return `${room}:user:${userId}`;
}
