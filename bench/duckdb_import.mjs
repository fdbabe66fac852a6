// DuckDB's own CSV load, for `make bench` (bench/bench.c --duckdb): a new
// persistent database file holding the CSV as table t, every column read
// as text (as sqlite3 .import does), then its row count printed, outside
// the load, for the bench to check. DuckDB comes from the npm registry
// (@duckdb/node-api, installed by scripts/install-duckdb.sh into
// build/duckdb, where this script is copied so that Node finds it).
//   node build/duckdb/import.mjs DB CSV
import { DuckDBInstance } from '@duckdb/node-api';

const [, , db, csv] = process.argv;
if (!db || !csv) {
    console.error('usage: import.mjs DB CSV');
    process.exit(2);
}
const instance = await DuckDBInstance.create(db);
const con = await instance.connect();
const path = csv.replaceAll("'", "''");
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${path}', header = true, all_varchar = true)`);
const rows = await con.runAndReadAll('SELECT count(*) FROM t');
console.log(String(rows.getRows()[0][0]));
con.closeSync();
instance.closeSync();
