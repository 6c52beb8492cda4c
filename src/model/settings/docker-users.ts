// DockerUsers: the users in an engine's host's docker group.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import type { ComponentSettings } from "./types";

// No fleet mapping: the fleet file has no section of its own for it, only a host's (or the
// defaults') `dockerUsers` list, which the Host settings name as the file's own key.
export const dockerUsersComponent: ComponentSettings = {
  token: "dockyard:engine:DockerUsers",
  description:
    "Users in a host's docker group, so they run docker without sudo. A user who does not exist on the host is refused by name before anything changes; destroy takes out only the users Dockyard added. Membership is root-equivalent on the host (the docker socket): list only trusted users.",
  args: { file: "src/engine/docker-users.ts", name: "DockerUsersArgs" },
  class: { file: "src/engine/docker-users.ts", name: "DockerUsers" },
  example: { name: "dockerUsers", properties: { engine: "${docker}", users: ["deploy", "ci"] } },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine whose host's docker group this manages.",
      example: 'new DockerEngine("web1-docker", { host: web1 })',
    },
    users: {
      type: { array: "string" },
      required: true,
      description:
        "Existing login users to put in the docker group (so they run docker without sudo). A user who does not exist on the host is refused by name before anything changes.",
      example: '["deploy", "ci"]',
    },
  },
  outputs: {
    added: { type: { array: "string" }, description: "Users Dockyard added (not those who were members already)." },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
  },
};
