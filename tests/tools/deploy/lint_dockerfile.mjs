// Lints the repository's Dockerfile: dockerfile-utils' validator with every rule as an error, then
// the shape the project promises (two stages, a scratch runtime with no shell, non-root, the
// binary's own probe, labels, exec-form entrypoint).
// Usage: node lint_dockerfile.mjs <repo root>
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { validate, ValidationSeverity } from "dockerfile-utils";
import { DockerfileParser } from "dockerfile-ast";

const root = process.argv[2];
const path = join(root, "Dockerfile");
const content = readFileSync(path, "utf8");
const problems = [];
const fail = (line, message) => problems.push(`Dockerfile:${line}: ${message}`);

const strict = ValidationSeverity.ERROR;
const diagnostics = validate(content, {
  deprecatedMaintainer: strict, directiveCasing: strict, emptyContinuationLine: strict,
  instructionCasing: strict, instructionCmdMultiple: strict, instructionEntrypointMultiple: strict,
  instructionHealthcheckMultiple: strict, instructionJSONInSingleQuotes: strict,
  instructionWorkdirRelative: strict,
});
for (const d of diagnostics) fail(d.range.start.line + 1, `dockerfile-utils: ${d.message}`);

const dockerfile = DockerfileParser.parse(content);
const stages = dockerfile.getFROMs();
const lineOf = (instruction) => instruction.getRange().start.line + 1;
const argDefault = (name) => {
  const arg = dockerfile.getInitialARGs().find((a) => a.getProperty()?.getName() === name);
  return arg?.getProperty()?.getValue() ?? null;
};
const imageOf = (from) => {
  const image = from.getImage() ?? "";
  const variable = /^\$\{?(\w+)\}?$/.exec(image);
  return variable ? argDefault(variable[1]) : image;
};

// build, the shell variant (--target=shell, for GitLab CI scripts), and the default runtime last.
if (stages.length !== 3) fail(1, `expected build, shell and runtime stages, found ${stages.length} FROM`);
const [buildFrom, shellFrom, runtimeFrom] = stages;
if (buildFrom && imageOf(buildFrom) !== "debian:bookworm")
  fail(lineOf(buildFrom), `build stage must start from debian:bookworm, not ${imageOf(buildFrom)}`);
if (shellFrom && (imageOf(shellFrom) !== "debian:bookworm-slim" || shellFrom.getBuildStage() !== "shell"))
  fail(lineOf(shellFrom), "the second stage must be `FROM debian:bookworm-slim AS shell`");
if (runtimeFrom && imageOf(runtimeFrom) !== "scratch")
  fail(lineOf(runtimeFrom), `runtime stage must start from scratch (only what the binary loads), not ${imageOf(runtimeFrom)}`);

const runtimeStart = runtimeFrom ? lineOf(runtimeFrom) : Infinity;
const all = dockerfile.getInstructions();
const shellStart = shellFrom ? lineOf(shellFrom) : runtimeStart;
const inBuild = all.filter((i) => lineOf(i) < shellStart);
const inShell = all.filter((i) => lineOf(i) >= shellStart && lineOf(i) < runtimeStart);
const inRuntime = all.filter((i) => lineOf(i) >= runtimeStart);
const find = (list, keyword) => list.filter((i) => i.getKeyword() === keyword);

if (!inBuild.some((i) => i.getKeyword() === "RUN" && /ME_DEPS_BUILD_ONLY=1 scripts\/install-deps\.sh/.test(i.getRawArgumentsContent())))
  fail(lineOf(buildFrom), "build stage must install its packages with ME_DEPS_BUILD_ONLY=1 scripts/install-deps.sh");
if (!inBuild.some((i) => i.getKeyword() === "RUN" && /-DME_TESTS=OFF/.test(i.getRawArgumentsContent())))
  fail(lineOf(buildFrom), "build stage must configure with -DME_TESTS=OFF");
if (!inBuild.some((i) => i.getKeyword() === "RUN" && /scripts\/container-rootfs\.sh \S+ \/rootfs/.test(i.getRawArgumentsContent())))
  fail(lineOf(buildFrom), "build stage must lay out /rootfs with scripts/container-rootfs.sh");
// A scratch stage has no shell: a RUN or a shell-form command there cannot work.
for (const run of find(inRuntime, "RUN")) fail(lineOf(run), "the runtime stage has no shell: no RUN");
if (!find(inRuntime, "COPY").some((c) => c.getFromFlag() && /^\/rootfs\/?$/.test(c.getArguments().map((a) => a.getValue()).filter((v) => !v.startsWith("--"))[0] ?? "")))
  fail(runtimeStart, "the runtime stage must COPY --from=build /rootfs/ /");

const user = find(inRuntime, "USER").at(-1);
if (!user) fail(runtimeStart, "runtime stage has no USER");
else if (!/^[1-9]\d*(:[1-9]\d*)?$/.test(user.getRawArgumentsContent().trim()))
  fail(lineOf(user), "USER must be a numeric non-root uid[:gid] (runAsNonRoot checks need a number)");

const exposed = find(inRuntime, "EXPOSE").flatMap((i) => i.getArguments().map((a) => a.getValue()));
if (!exposed.includes("10211")) fail(runtimeStart, "runtime stage must EXPOSE 10211");

const healthcheck = find(inRuntime, "HEALTHCHECK")[0];
if (!healthcheck) fail(runtimeStart, "runtime stage has no HEALTHCHECK");
else if (!/CMD \["\/usr\/bin\/migration_exporter", "healthcheck"\]/.test(healthcheck.getRawArgumentsContent()))
  fail(lineOf(healthcheck), 'HEALTHCHECK must be the exec form CMD ["/usr/bin/migration_exporter", "healthcheck"] (no shell in the image)');

for (const keyword of ["ENTRYPOINT", "CMD"]) {
  const instruction = find(inRuntime, keyword).at(-1);
  if (!instruction) fail(runtimeStart, `runtime stage has no ${keyword}`);
  else if (!instruction.getRawArgumentsContent().trim().startsWith("["))
    fail(lineOf(instruction), `${keyword} must use the exec (JSON) form so signals reach the exporter`);
  else if (keyword === "ENTRYPOINT" && !/^\["\/usr\/bin\/migration_exporter"\]$/.test(instruction.getRawArgumentsContent().trim()))
    fail(lineOf(instruction), 'ENTRYPOINT must be ["/usr/bin/migration_exporter"]: PID 1 is the exporter');
}

const labels = new Set(find(inRuntime, "LABEL").flatMap((i) => i.getProperties().map((p) => p.getName())));
for (const label of ["title", "description", "version", "revision", "created"].map((n) => `org.opencontainers.image.${n}`))
  if (!labels.has(label)) fail(runtimeStart, `missing OCI label ${label}`);

const shellUser = find(inShell, "USER").at(-1);
if (!shellUser || shellUser.getRawArgumentsContent().trim() !== user?.getRawArgumentsContent().trim())
  fail(shellStart, "the shell stage must run as the same numeric USER as the runtime stage");
const shellEntrypoint = find(inShell, "ENTRYPOINT").at(-1);
if (!shellEntrypoint || !/^\["\/usr\/bin\/migration_exporter"\]$/.test(shellEntrypoint.getRawArgumentsContent().trim()))
  fail(shellStart, 'the shell stage must have ENTRYPOINT ["/usr/bin/migration_exporter"]');

const env = new Map(find(inRuntime, "ENV").flatMap((i) => i.getProperties().map((p) => [p.getName(), p.getValue()])));
if (env.get("MIGRATION_EXPORTER_DEFAULT_CONFIG") !== "/etc/migration_exporter/config.toml")
  fail(runtimeStart, "the runtime stage must set MIGRATION_EXPORTER_DEFAULT_CONFIG=/etc/migration_exporter/config.toml");

// Every file copied from the build context must exist (COPY --from copies from a stage).
for (const copy of find(all, "COPY")) {
  if (copy.getFromFlag()) continue;
  const args = copy.getArguments().map((a) => a.getValue()).filter((v) => !v.startsWith("--"));
  for (const source of args.slice(0, -1))
    if (source !== "." && !existsSync(join(root, source))) fail(lineOf(copy), `COPY source ${source} does not exist`);
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`Dockerfile: dockerfile-utils reports nothing with every rule at error; ${stages.length} stages ` +
  `(${imageOf(buildFrom)} -> ${imageOf(runtimeFrom)}, shell variant ${imageOf(shellFrom)}), USER ${user.getRawArgumentsContent().trim()}, ` +
  `EXPOSE ${exposed.join(" ")}, HEALTHCHECK, exec-form ENTRYPOINT/CMD, ${labels.size} labels, COPY sources exist`);
