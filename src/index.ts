export { Host, type HostArgs, type JumpHostArgs } from "./host/host";
export type { HostFacts } from "./scripts/host-facts";
export type { ConnectionSpec } from "./remote/connection-spec";
export {
  RemoteError,
  HostUnreachableError,
  AuthenticationError,
  HostKeyMismatchError,
  RemoteCommandError,
} from "./remote/errors";
