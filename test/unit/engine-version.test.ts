import test from "ava";
import { pickVersion, upstreamVersion } from "../../src/scripts/engine-online";

const APT = [
  "5:25.0.3-1~debian.12~bookworm",
  "5:24.0.9-1~debian.12~bookworm",
  "5:24.0.7-1~debian.12~bookworm",
  "5:24.0.10-1~debian.12~bookworm",
  "5:20.10.24~3-0~debian-bookworm",
];
const YUM = ["3:25.0.3-1.el9", "3:24.0.7-1.el9", "3:24.0.9-1.el9"];

test("upstream version strips epoch and packaging", (t) => {
  t.is(upstreamVersion("5:24.0.7-1~debian.12~bookworm"), "24.0.7");
  t.is(upstreamVersion("3:24.0.7-1.el9"), "24.0.7");
  t.is(upstreamVersion("20.10.24+dfsg1-1+deb12u1+b6"), "20.10.24");
  t.is(upstreamVersion("5:20.10.24~3-0~debian-bookworm"), "20.10.24");
});

test("an exact pin picks exactly that release", (t) => {
  t.is(pickVersion(APT, "24.0.7"), "5:24.0.7-1~debian.12~bookworm");
  t.is(pickVersion(YUM, "24.0.7"), "3:24.0.7-1.el9");
});

test("a series pin picks the newest of the series, numerically (24.0.10 > 24.0.9)", (t) => {
  t.is(pickVersion(APT, "24.0"), "5:24.0.10-1~debian.12~bookworm");
  t.is(pickVersion(APT, "24"), "5:24.0.10-1~debian.12~bookworm");
});

test("24.0 never matches 24.04, and 24.0.1 never matches 24.0.10", (t) => {
  t.is(pickVersion(["5:24.04.1-1~ubuntu"], "24.0"), undefined);
  t.is(pickVersion(["24.04"], "24.0"), undefined);
  t.is(pickVersion(["5:24.0.10-1"], "24.0.1"), undefined);
  t.is(pickVersion(["5:2.4.0-1"], "24"), undefined);
});

test("no pin picks the newest; no match is undefined", (t) => {
  t.is(pickVersion(APT), "5:25.0.3-1~debian.12~bookworm");
  t.is(pickVersion(APT, "26"), undefined);
  t.is(pickVersion([], undefined), undefined);
});
