namespace LguestActors.Host.Tests.Linux;

// How the Linux tests find the kernel, or decide to skip or fail.
public sealed class LinuxGuestLocationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-locate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Repo()
    {
        string repo = Path.Combine(_dir.FullName, "work", "repo");
        Directory.CreateDirectory(repo);
        return repo;
    }

    private string KernelIn(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, LinuxGuest.KernelName), [0x7F]);
        return folder;
    }

    [Fact]
    public void A_clean_clone_with_no_kernel_anywhere_is_skipped_with_the_reason()
    {
        var found = LinuxGuest.Locate(null, Repo());

        Assert.Null(found.Directory);
        Assert.Null(found.Error);
        Assert.Contains("LGUEST_LINUX_DIR", found.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_linux_folder_above_the_repository_is_found()
    {
        string repo = Repo();
        string shared = KernelIn(Path.Combine(_dir.FullName, "shared", "linux"));

        Assert.Equal(new LinuxGuest.Location(shared, null, null), LinuxGuest.Locate(null, repo));
    }

    [Fact]
    public void The_environment_variable_wins_and_a_wrong_one_fails_rather_than_skips()
    {
        string repo = Repo();
        KernelIn(Path.Combine(_dir.FullName, "shared", "linux"));
        string mine = KernelIn(Path.Combine(_dir.FullName, "mine"));
        string empty = Path.Combine(_dir.FullName, "empty");

        Assert.Equal(mine, LinuxGuest.Locate(mine, repo).Directory);
        var wrong = LinuxGuest.Locate(empty, repo);
        Assert.Equal((null, null), (wrong.Directory, wrong.SkipReason));
        Assert.Equal($"LGUEST_LINUX_DIR={empty} has no vmlinux-3.10", wrong.Error);
    }
}
