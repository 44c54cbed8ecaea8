/**
 * The keychain helper process (started by keychain-host.ts): it owns the native keychain modules, so
 * a keychain that blocks a thread blocks this process, never the server, which can kill it. It answers
 * one message per call over its IPC channel (keychain-responder.ts) and ends when that channel closes.
 */
import { answerKeychainRequests } from "./keychain-responder.js";

answerKeychainRequests(process);
process.on("disconnect", () => process.exit(0));
