import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { targetOf } from "../remote/connection-spec";
import { SshSession } from "../remote/ssh-session";
import { renderFileRemove, renderFileSha, renderFileWrite } from "../scripts/remote-file";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";

export interface RemoteFileInputs extends ConnectedInputs {
  path: string;
  /** The file's text; stored as a secret (keys, password hashes). */
  content: string;
  /** Octal mode, e.g. `0600`. */
  mode: string;
}

export interface RemoteFileOutputs extends RemoteFileInputs {
  sha256: string;
  drift: string[];
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

async function write(session: SshSession, f: RemoteFileInputs): Promise<void> {
  await session.exec(renderFileWrite(f.path, f.mode), {
    stdin: f.content,
    what: `writing ${f.path}`,
  });
}

async function remoteSha(session: SshSession, path: string): Promise<string> {
  return (await session.exec(renderFileSha(path), { allowFailure: true })).stdout.trim();
}

/** A file on a host with content Dockyard owns: written atomically, drift read back by checksum. */
export const remoteFile = {
  async create(inputs: RemoteFileInputs): Promise<pulumi.dynamic.CreateResult<RemoteFileOutputs>> {
    await write(await SshSession.for(toConnectionSpec(inputs)), inputs);
    return { id: `${targetOf(inputs.connection)}${inputs.path}`, outs: { ...inputs, sha256: sha(inputs.content), drift: [] } };
  },

  async read(id: string, props: RemoteFileOutputs): Promise<pulumi.dynamic.ReadResult<RemoteFileOutputs>> {
    const got = await remoteSha(await SshSession.for(toConnectionSpec(props)), props.path);
    const drift = got === props.sha256 ? [] : [got ? `${props.path} was changed` : `${props.path} is missing`];
    return { id, props: { ...props, drift } };
  },

  async diff(_id: string, olds: RemoteFileOutputs, news: RemoteFileInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news)) return { changes: true };
    const connection = connectionChange(olds, news);
    if (connection === "replace" || olds.path !== news.path) {
      return { changes: true, replaces: ["path"], deleteBeforeReplace: true };
    }
    // A rotated key (credentials) is an update too, so refresh and destroy use the new one.
    if (olds.content !== news.content || olds.mode !== news.mode || connection === "update") return { changes: true };
    const got = await remoteSha(await SshSession.for(toConnectionSpec(news)), news.path);
    return { changes: got !== olds.sha256 };
  },

  async update(_id: string, olds: RemoteFileOutputs, news: RemoteFileInputs): Promise<pulumi.dynamic.UpdateResult<RemoteFileOutputs>> {
    const session = await SshSession.for(toConnectionSpec(news));
    // Only the connection changed and the file is as it was: the state takes the connection, the
    // host is left alone.
    const unchanged =
      olds.content === news.content && olds.mode === news.mode && (await remoteSha(session, news.path)) === sha(news.content);
    if (!unchanged) await write(session, news);
    return { outs: { ...news, sha256: sha(news.content), drift: [] } };
  },

  async delete(_id: string, props: RemoteFileOutputs): Promise<void> {
    const session = await SshSession.for(toConnectionSpec(props));
    await session.exec(renderFileRemove(props.path), { what: `removing ${props.path}` });
  },
};
