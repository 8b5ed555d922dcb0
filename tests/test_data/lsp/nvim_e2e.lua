-- Headless Neovim end-to-end check of mlintern's language server.
-- Works on Debian's Neovim 0.7 (vim.lsp.start_client + buf_attach_client) and on 0.10+ (vim.lsp.start).
-- Env: PYTHON, WORKSPACE (root), FILE (a model.py to open), HOVER_LINE/HOVER_COL (0-based), DIAG_FILE.
local function out(s) io.stdout:write(s .. "\n"); io.stdout:flush() end
local function fail(msg) out("FAIL: " .. msg); vim.cmd("cquit 1") end
local modern = vim.fn.has("nvim-0.10") == 1
local function req(client, method, params, bufnr)
  if modern then return client:request_sync(method, params, 20000, bufnr) end
  return client.request_sync(method, params, 20000, bufnr)
end

local python, root, file = os.getenv("PYTHON"), os.getenv("WORKSPACE"), os.getenv("FILE")
local diagnostics = {}
local config = {
  name = "mlintern",
  cmd = { python, "-m", "mlintern.server", "--lsp", "--stdio" },
  root_dir = root,
  init_options = { sandbox = true, budgetMinutes = 5 },
  handlers = {
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, cfg)
      if #result.diagnostics > 0 then diagnostics[result.uri] = result.diagnostics end
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, cfg)
    end,
    ["window/showMessage"] = function(_, result) out("message: " .. result.message:gsub("\n", " ")) end,
  },
}

vim.cmd("edit " .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id
if modern then
  client_id = vim.lsp.start(config, { bufnr = bufnr })
else
  client_id = vim.lsp.start_client(config)
  if client_id then vim.lsp.buf_attach_client(bufnr, client_id) end
end
if not client_id then return fail("the client did not start") end
local client = vim.lsp.get_client_by_id(client_id)
if not vim.wait(20000, function() return client.initialized or (client.is_stopped and false) end, 50) then
  return fail("no initialize answer")
end
out("server: " .. client.server_capabilities.executeCommandProvider.commands[1] .. " ...")

-- A real tool through workspace/executeCommand (vim.empty_dict() so the argument is a JSON object).
local status = req(client, "workspace/executeCommand",
  { command = "mlintern.workspaceStatus", arguments = { vim.empty_dict() } }, bufnr)
if not status or status.err then return fail("executeCommand: " .. vim.inspect(status)) end
out("command summary: " .. status.result.summary:gsub("\n", " "))

-- Hover on a hyperparameter of the scaffolded project.
local hover = req(client, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  position = { line = tonumber(os.getenv("HOVER_LINE")), character = tonumber(os.getenv("HOVER_COL")) },
}, bufnr)
if not hover or hover.err or not hover.result then return fail("hover: " .. vim.inspect(hover)) end
out("hover: " .. hover.result.contents.value:gsub("\n", " "))

-- Diagnostics of the failed run (stored before start) and the quick fix for it.
local uri = vim.uri_from_fname(os.getenv("DIAG_FILE"))
if not vim.wait(20000, function() return diagnostics[uri] ~= nil end, 50) then return fail("no diagnostics") end
local d = diagnostics[uri][1]
out(string.format("diagnostic: line=%d code=%s msg=%s", d.range.start.line, d.code, d.message:gsub("\n", " ")))
local actions = req(client, "textDocument/codeAction", {
  textDocument = { uri = uri }, range = d.range, context = { diagnostics = diagnostics[uri] },
}, bufnr)
if not actions or actions.err or #actions.result == 0 then return fail("codeAction: " .. vim.inspect(actions)) end
out("code action: " .. actions.result[1].title)

if modern then client:stop() else client.stop() end
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
out("OK")
vim.cmd("qall!")
