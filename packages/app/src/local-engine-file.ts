/**
 * In embedded mode only the engine's process may open the data directory. CLI commands run meanwhile reach
 * the engine through its API with a per-start admin key kept next to the data, in this file of DATA_DIR
 * (written by the engine, server.ts; read by the CLI, cli/cli-context.ts). Its own module so that a CLI
 * command can find it without loading the whole server.
 */
export const LOCAL_ENGINE_FILE = 'engine.json';
