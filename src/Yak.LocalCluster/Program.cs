using Yak.LocalCluster.Hosting;

return await ClusterCommandLine.RunAsync(args);
