import test from "ava";
import { findImageByRef, imageMatchesRef, type NamedImage } from "../../src/model/image-match";

// Docker's own reference matching, decided from an image's names (its inspect's RepoTags and
// RepoDigests): what the Image provider uses to find its image in the host's workload read
// instead of asking `GET /images/<ref>/json`. Each row: an image's names, a reference, whether
// docker would answer the reference with that image.
const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const img = (tags: string[], digests: string[] = []): NamedImage => ({
  Id: `sha256:${"f".repeat(64)}`,
  RepoTags: tags,
  RepoDigests: digests,
});

const rows: [string, NamedImage, string, boolean][] = [
  ["the same familiar name and tag", img(["nginx:1.25"]), "nginx:1.25", true],
  ["a familiar tag and the whole name", img(["nginx:1.25"]), "docker.io/library/nginx:1.25", true],
  ["docker.io without library/", img(["nginx:1.25"]), "docker.io/nginx:1.25", true],
  ["index.docker.io is Docker Hub too", img(["nginx:1.25"]), "index.docker.io/library/nginx:1.25", true],
  ["another tag", img(["nginx:1.25"]), "nginx:1.26", false],
  ["no tag is latest", img(["nginx:latest"]), "nginx", true],
  ["no tag is not another tag", img(["nginx:1.25"]), "nginx", false],
  ["a tag of the image's other names", img(["web:2", "nginx:1.25"]), "nginx:1.25", true],
  ["a user's repository on Docker Hub", img(["bitnami/nginx:1.25"]), "docker.io/bitnami/nginx:1.25", true],
  ["not the library image of the same short name", img(["bitnami/nginx:1.25"]), "nginx:1.25", false],
  ["a registry with a port", img(["10.0.0.5:5000/app/web:2"]), "10.0.0.5:5000/app/web:2", true],
  ["a registry with a port, no tag", img(["10.0.0.5:5000/app/web:latest"]), "10.0.0.5:5000/app/web", true],
  ["another registry port", img(["10.0.0.5:5000/app/web:2"]), "10.0.0.5:5001/app/web:2", false],
  ["another registry, same path", img(["ghcr.io/app/web:2"]), "docker.io/app/web:2", false],
  ["localhost registry", img(["localhost:5000/web:1"]), "localhost:5000/web:1", true],
  ["a digest among RepoDigests", img(["nginx:1.25"], [`nginx@${D1}`]), `nginx@${D1}`, true],
  ["a digest with the whole name", img([], [`nginx@${D1}`]), `docker.io/library/nginx@${D1}`, true],
  ["another digest", img(["nginx:1.25"], [`nginx@${D1}`]), `nginx@${D2}`, false],
  ["a digest of another repository", img([], [`other@${D1}`]), `nginx@${D1}`, false],
  ["a digest is not matched by tags", img(["nginx:1.25"]), `nginx@${D1}`, false],
  ["tag and digest: the digest decides", img(["nginx:1.24"], [`nginx@${D1}`]), `nginx:1.25@${D1}`, true],
  ["a digest on a registry with a port", img([], [`10.0.0.5:5000/web@${D1}`]), `10.0.0.5:5000/web@${D1}`, true],
  ["an untagged image (<none>) matches nothing", { Id: "sha256:x", RepoTags: null, RepoDigests: null }, "nginx", false],
];

for (const [label, image, ref, want] of rows) {
  test(`image match: ${label} (${ref})`, (t) => {
    t.is(imageMatchesRef(image, ref), want);
  });
}

test("findImageByRef: the image of that name among the host's, none when none matches", (t) => {
  const a = { ...img(["nginx:1.25"]), Id: "sha256:a" };
  const b = { ...img(["nginx:latest"], [`nginx@${D1}`]), Id: "sha256:b" };
  t.is(findImageByRef([a, b], "nginx")?.Id, "sha256:b");
  t.is(findImageByRef([a, b], "docker.io/library/nginx:1.25")?.Id, "sha256:a");
  t.is(findImageByRef([a, b], `nginx@${D1}`)?.Id, "sha256:b");
  t.is(findImageByRef([a, b], "redis"), undefined);
  t.is(findImageByRef([], "nginx"), undefined);
});
