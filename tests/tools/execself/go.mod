module example.com/execself

go 1.19
