// Drives `sessiond mcp` with the TypeScript MCP SDK's own client, over stdio.
// Usage: node client.mjs ULID_PREFIX PROJECT -- COMMAND [ARGS...]
// Prints one JSON object: what the server answered, for the Python test to check.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const [prefix, project] = argv.slice(0, split);
const [command, ...args] = argv.slice(split + 1);

const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
let negotiated = null;
transport.setProtocolVersion = (version) => {
  negotiated = version;
};
const client = new Client({ name: "sessiond-ts-sdk-test", version: "1.0.0" });
await client.connect(transport);

const out = { protocolVersion: negotiated, server: client.getServerVersion() };
// Listing first lets the client check every structuredContent against its outputSchema.
out.tools = (await client.listTools()).tools;
out.search = await client.callTool({ name: "search_history", arguments: { query: "cache key", limit: 5 } });
out.read = await client.callTool({ name: "read_session", arguments: { ulid: prefix } });
out.list = await client.callTool({ name: "list_sessions", arguments: { limit: 2 } });
out.listShop = await client.callTool({ name: "list_sessions", arguments: { project } });
out.unknownUlid = await client.callTool({ name: "read_session", arguments: { ulid: "ZZZZZZZZZZ" } });
out.badQuery = await client.callTool({ name: "search_history", arguments: { query: "!!" } });
try {
  await client.callTool({ name: "forget_everything", arguments: {} });
  out.unknownTool = null;
} catch (error) {
  out.unknownTool = { code: error.code, message: error.message };
}
await client.close();
process.stdout.write(JSON.stringify(out) + "\n");
