// The rig's key pairs: ones ssh2 reads back (its generator makes an unreadable ed25519 pair about
// one time in 256, which made a rig's first connection fail with "Malformed OpenSSH private key").
export { readableKeyPair as keyPair } from "../../src/providers/ssh-key-pair";
