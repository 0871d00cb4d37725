package autonomy.authz

# The example robot's policy: a tool allow-list, a speed limit for motion and a workspace for
# file writes. Every deny carries a reason the agent can show.

default allow := false

allow if {
	input.tool in data.robot.tools
	count(deny) == 0
}

deny contains sprintf("tool %q is not on the allow-list", [input.tool]) if {
	not input.tool in data.robot.tools
}

deny contains sprintf("speed %v m/s is over the %v m/s limit", [input.args.speed, data.robot.max_speed]) if {
	input.tool == "move"
	input.args.speed > data.robot.max_speed
}

deny contains sprintf("path %q is outside the workspace %s", [input.args.path, data.robot.workspace]) if {
	input.tool == "write_file"
	not within_workspace(input.args.path)
}

within_workspace(path) if {
	startswith(path, data.robot.workspace)
	not contains(path, "..")
}
