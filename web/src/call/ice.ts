/**
 * The ICE configuration of every peer connection, kept in one place. For now host candidates
 * only (`iceServers: []`), which is enough on one network; a later change fetches STUN/TURN
 * credentials from `/api/ice-servers` here.
 */
export async function loadRtcConfiguration(): Promise<RTCConfiguration> {
  return { iceServers: [] };
}
