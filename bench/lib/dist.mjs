// The build the in-process benchmarks measure: dist/ of this checkout, or BENCH_DIST (another
// build's dist/, to compare two builds in one run).
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(root, "dist");

/** Imports a module of the measured build by its path under dist/ ("engine/index.js"). */
export const fromDist = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
