import { describeCrashSafety } from "../../helpers/store/crash.js";

// Three rounds in `npm test`; `npm run test:soak` runs thirty (test/soak/crash.test.ts).
describeCrashSafety(3);
