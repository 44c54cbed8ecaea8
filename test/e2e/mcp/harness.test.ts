/** The checks every spawned server gets at close() can fail: otherwise they would prove nothing. */
import { describe, expect, it } from "vitest";
import { assertNoSecrets, assertStdoutIsJsonRpc, ERAS, startServer } from "../../helpers/mcp.js";

describe.each(ERAS)("the spawned-server harness (%s era)", (era) => {
  it("fails the check when a known secret appears on the server's stdout, and passes once it is not known", async () => {
    const server = await startServer({ era, env: { CRONICORN_API_URL: "http://127.0.0.1:9/api" } });
    await server.client.listTools();
    const name = server.client.getServerVersion()?.name;
    expect(name).toBe("cronicorn-mcp"); // it is in the initialize result on stdout
    server.secrets.add(name as string);
    expect(() => server.checkHygiene()).toThrow(/a secret \(cro…, 13 chars\) appeared in the server's stdout/);
    server.secrets.delete(name as string);
    await server.close();
  });

  it("knows the API key from the server's environment without being told", async () => {
    const key = "key-known-from-the-environment";
    const server = await startServer({ era, env: { CRONICORN_API_URL: "http://127.0.0.1:9/api", CRONICORN_API_KEY: key } });
    expect(server.secrets.has(key)).toBe(true);
    await server.close();
  });

  it("rejects stdout that carries anything but JSON-RPC messages", () => {
    expect(assertStdoutIsJsonRpc('{"jsonrpc":"2.0","id":1,"result":{}}\n')).toBe(1);
    expect(() => assertStdoutIsJsonRpc('{"jsonrpc":"2.0","id":1,"result":{}}\nready\n')).toThrow(/non-JSON line: ready/);
    expect(() => assertStdoutIsJsonRpc('{"id":1}\n')).toThrow(/non-JSON-RPC message/);
    expect(() => assertNoSecrets("token abcdef0123 here", ["abcdef0123"], "x")).toThrow(/appeared in x/);
    expect(() => assertNoSecrets("short", ["abc"], "x")).not.toThrow(); // too short to be a token
  });
});
