import AgentTurboCLI

await AgentTurboMain.run()
