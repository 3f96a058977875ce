// bench/duckdb-node.mjs: `duckdb -c SQL` for machines where DuckDB comes
// from npm (@duckdb/node-api, installed outside the repo; see bench.sh).
// Runs each SQL argument after -c and prints nothing but errors.
import { createRequire } from 'node:module';

const dir = process.env.MB_DUCKDB_DIR || `${process.env.HOME}/.cache/mb-bench-duckdb`;
const { DuckDBInstance } = createRequire(`${dir}/`)('@duckdb/node-api');

const args = process.argv.slice(2);
const sql = [];
for (let i = 0; i < args.length; i++)
	if (args[i] === '-c' && i + 1 < args.length)
		sql.push(args[++i]);
if (sql.length === 0) {
	console.error('usage: duckdb-node -c SQL');
	process.exit(2);
}
try {
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	for (const q of sql)
		await con.run(q);
} catch (e) {
	console.error(`duckdb: ${e.message}`);
	process.exit(1);
}
