import { type Connection, utils } from "ssh2";

/** Lets an in-process ssh2 server accept only the key whose public line is `publicLine`, as sshd with one authorized key. */
export function acceptOnlyKey(conn: Connection, publicLine: string): void {
  const allowed = utils.parseKey(publicLine);
  conn.on("authentication", (ctx) => {
    if (ctx.method === "publickey" && !(allowed instanceof Error) && ctx.key.data.equals(allowed.getPublicSSH())) return ctx.accept();
    ctx.reject(["publickey"]);
  });
}
