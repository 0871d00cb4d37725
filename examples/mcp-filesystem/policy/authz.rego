package autonomy.authz

# A policy for file-system MCP servers (@modelcontextprotocol/server-filesystem and the like):
# reads anywhere under a root, writes only inside a workspace, no deletes, nothing else. The
# directories are data (data.json beside this file), so one policy serves every machine.
# Paths are compared as strings: they must be absolute and free of "..", so a path cannot
# climb out of the directory it names.

read_tools := {
	"read_file", "read_text_file", "read_media_file", "read_multiple_files",
	"list_directory", "list_directory_with_sizes", "directory_tree",
	"search_files", "get_file_info", "list_allowed_directories",
}

# move_file names a source and a destination: both must be in the workspace, since a move
# takes the file away from where it was.
write_tools := {"write_file", "edit_file", "create_directory", "move_file"}

# What `autonomy mcp` shows the model in tools/list: a tool that is never allowed is not offered.
visible_tools := read_tools | write_tools

default allow := false

allow if {
	input.tool in visible_tools
	count(deny) == 0
}

# Every path a call names, whatever the argument is called.
paths contains input.args.path if is_string(input.args.path)

paths contains p if some p in input.args.paths

paths contains input.args.source if is_string(input.args.source)

paths contains input.args.destination if is_string(input.args.destination)

deny contains sprintf("tool %q deletes files; deleting is not allowed", [input.tool]) if {
	regex.match(`(?i)delete|remove|unlink|rmdir|trash`, input.tool)
}

deny contains sprintf("tool %q is not on the allow-list", [input.tool]) if {
	not input.tool in visible_tools
}

deny contains sprintf("read of %q: outside the readable root %s", [p, data.mcp_filesystem.read_root]) if {
	input.tool in read_tools
	some p in paths
	not within(p, data.mcp_filesystem.read_root)
}

deny contains sprintf("write to %q: outside the workspace %s", [p, data.mcp_filesystem.workspace]) if {
	input.tool in write_tools
	some p in paths
	not within(p, data.mcp_filesystem.workspace)
}

within(p, dir) if {
	is_string(p)
	not contains(p, "..")
	p == trim_suffix(dir, "/")
}

within(p, dir) if {
	is_string(p)
	not contains(p, "..")
	startswith(p, concat("", [trim_suffix(dir, "/"), "/"]))
}
