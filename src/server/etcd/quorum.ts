// Raft needs a majority: n members tolerate floor((n-1)/2) failures, so a fourth member adds a
// machine that can fail without adding a failure the cluster survives.

/** The warning an even member count deserves, or undefined. */
export function evenMembersWarning(members: number): string | undefined {
  if (members < 2 || members % 2 !== 0) return undefined;
  const quorum = Math.floor(members / 2) + 1;
  const tolerated = members - quorum;
  return `etcd now has ${members} members, an even number: a write needs ${quorum} of them, so the cluster survives ${tolerated} failed member${tolerated === 1 ? '' : 's'}, the same as with ${members - 1}, while one more machine can fail; run an odd number of servers (add or remove one)`;
}
