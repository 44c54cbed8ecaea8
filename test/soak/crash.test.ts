import { describeCrashSafety } from "../helpers/store/crash.js";

describeCrashSafety(30);
