' OpenClaw Gateway (profile: rescue)
Set shell = CreateObject("WScript.Shell")
shell.Environment("Process")("OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER") = "wscript"
WScript.Quit shell.Run("""/home/alice/.openclaw-rescue/gateway.cmd""", 0, True)
