module pluginhost

go 1.19
