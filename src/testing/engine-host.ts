// Loading a project and building the one engine that serves every test case of a thread.
import { createEngine } from "../engine/index.js";
import type { Engine } from "../engine/types.js";
import { loadProject } from "../project/loader.js";
import type { Project } from "../project/model.js";
import { ProjectError, ProjectErrors } from "../util/errors.js";
import { SwitchingHost } from "./run-case.js";

/** The engine of one test thread, the host it forwards to the running case, and the project it serves. */
export interface TestEngine {
  engine: Engine;
  host: SwitchingHost;
  project: Project;
}

/** A load failure as one readable message (file:line:col plus the offending line when known). */
export function describeLoadError(e: unknown): string {
  if (e instanceof ProjectError) return e.format();
  if (e instanceof ProjectErrors) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Loads the project under test, with the folders that hold its system modules. */
export async function loadTestProject(dir: string, modules: string[] = []): Promise<Project> {
  return await loadProject(dir, { modules });
}

/** Builds the one engine a test thread runs every case on, behind a SwitchingHost. */
export function createTestEngine(project: Project): TestEngine {
  const host = new SwitchingHost();
  return { engine: createEngine(project, host), host, project };
}
