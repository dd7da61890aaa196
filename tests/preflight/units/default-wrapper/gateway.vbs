' OpenClaw Gateway
Set shell = CreateObject("WScript.Shell")
shell.Environment("Process")("OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER") = "wscript"
WScript.Quit shell.Run("""/home/alice/.openclaw/gateway.cmd""", 0, True)
