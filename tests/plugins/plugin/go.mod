module pluginwork

go 1.19
